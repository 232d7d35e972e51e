import { MigrationInterface, QueryRunner } from "typeorm";

export class TestEventsAndRejections1795460117796 implements MigrationInterface {
    name = 'TestEventsAndRejections1795460117796'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "webhook_rejections" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "subscription_id" uuid NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" integer NOT NULL, "code" character varying(64) NOT NULL, "reason" text NOT NULL, "request_id" character varying(128), "remote_address" character varying(100), CONSTRAINT "PK_70958b4bc50d57a0bfa5bf212cd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_webhook_rejections_subscription" ON "webhook_rejections"  ("subscription_id", "id") `);
        await queryRunner.query(`ALTER TABLE "webhook_events" ADD "is_test" boolean NOT NULL DEFAULT false`);
        await queryRunner.query(`ALTER TABLE "webhook_rejections" ADD CONSTRAINT "FK_39b366d2f716d148f1e1520bc52" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "webhook_rejections" DROP CONSTRAINT "FK_39b366d2f716d148f1e1520bc52"`);
        await queryRunner.query(`ALTER TABLE "webhook_events" DROP COLUMN "is_test"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_webhook_rejections_subscription"`);
        await queryRunner.query(`DROP TABLE "webhook_rejections"`);
    }

}
