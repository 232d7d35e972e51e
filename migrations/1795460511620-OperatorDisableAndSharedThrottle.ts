import { MigrationInterface, QueryRunner } from "typeorm";

export class OperatorDisableAndSharedThrottle1795460511620 implements MigrationInterface {
    name = 'OperatorDisableAndSharedThrottle1795460511620'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "vendor_throttles" ("vendor" character varying(32) NOT NULL, "paused_until" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4be885aa29826ad002138253dc7" PRIMARY KEY ("vendor"))`);
        await queryRunner.query(`ALTER TABLE "subscriptions" ADD "disabled_by" character varying(16)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "disabled_by"`);
        await queryRunner.query(`DROP TABLE "vendor_throttles"`);
    }

}
