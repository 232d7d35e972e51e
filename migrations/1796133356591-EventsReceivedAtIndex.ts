import { MigrationInterface, QueryRunner } from "typeorm";

export class EventsReceivedAtIndex1796133356591 implements MigrationInterface {
    name = 'EventsReceivedAtIndex1796133356591'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_webhook_events_received_at" ON "webhook_events" ("received_at") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_webhook_events_received_at"`);
    }

}
