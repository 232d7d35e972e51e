import { MigrationInterface, QueryRunner } from "typeorm";

export class InsideViewAlerts1795459462991 implements MigrationInterface {
    name = 'InsideViewAlerts1795459462991'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "insideview_alerts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subscription_id" uuid NOT NULL, "event_id" bigint, "alert_id" character varying(100) NOT NULL, "vendor_subscription_id" character varying(200) NOT NULL, "alert_date" TIMESTAMP WITH TIME ZONE, "alert_type" character varying(64), "state" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "lease_owner" character varying(100), "lease_expires_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "details" jsonb, "fetched_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_309f9c4f258e5e7da6962a046d1" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_insideview_alerts_queue" ON "insideview_alerts"  ("state", "next_attempt_at") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_insideview_alerts_subscription_alert" ON "insideview_alerts"  ("subscription_id", "alert_id") `);
        await queryRunner.query(`ALTER TABLE "subscriptions" ADD "vendor_synced_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "insideview_alerts" ADD CONSTRAINT "FK_c0791c9f2e4ffced8bc943eab6c" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "insideview_alerts" DROP CONSTRAINT "FK_c0791c9f2e4ffced8bc943eab6c"`);
        await queryRunner.query(`ALTER TABLE "subscriptions" DROP COLUMN "vendor_synced_at"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_insideview_alerts_subscription_alert"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_insideview_alerts_queue"`);
        await queryRunner.query(`DROP TABLE "insideview_alerts"`);
    }

}
