import { MigrationInterface, QueryRunner } from "typeorm";

export class SoftDeleteSubscriptions1796130245542 implements MigrationInterface {
    name = 'SoftDeleteSubscriptions1796130245542'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "subscriptions" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`DROP INDEX "public"."UQ_subscriptions_vendor_ref"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_subscriptions_vendor_ref" ON "subscriptions"  ("vendor", "vendor_ref") WHERE "vendor_ref" IS NOT NULL AND "deleted_at" IS NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."UQ_subscriptions_vendor_ref"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_subscriptions_vendor_ref" ON "subscriptions"  ("vendor", "vendor_ref") WHERE "vendor_ref" IS NOT NULL`);
        await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "deleted_at"`);
    }

}
