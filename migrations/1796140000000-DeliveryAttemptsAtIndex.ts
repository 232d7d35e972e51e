import { MigrationInterface, QueryRunner } from "typeorm";

export class DeliveryAttemptsAtIndex1796140000000 implements MigrationInterface {
    name = 'DeliveryAttemptsAtIndex1796140000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_delivery_attempts_at" ON "delivery_attempts" ("at") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_delivery_attempts_at"`);
    }

}
