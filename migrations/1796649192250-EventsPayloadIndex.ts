import { MigrationInterface, QueryRunner } from "typeorm";

export class EventsPayloadIndex1796649192250 implements MigrationInterface {
    name = 'EventsPayloadIndex1796649192250'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // GET /api/events?payload=…: jsonb containment (@>) only, which jsonb_path_ops serves with a smaller index than the default opclass.
        await queryRunner.query(`CREATE INDEX "IDX_webhook_events_payload" ON "webhook_events" USING gin ("payload" jsonb_path_ops)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_webhook_events_payload"`);
    }

}
