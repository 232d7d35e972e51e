import { MigrationInterface, QueryRunner } from "typeorm";

export class DeliveryThrottles1796651835180 implements MigrationInterface {
    name = 'DeliveryThrottles1796651835180'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "throttles" integer NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "delivery_attempts" ADD "throttled" boolean NOT NULL DEFAULT false`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "delivery_attempts" DROP COLUMN "throttled"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "throttles"`);
    }

}
