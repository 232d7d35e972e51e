import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1795458761199 implements MigrationInterface {
    name = 'Init1795458761199'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "subscriptions" ("id" uuid NOT NULL, "vendor" character varying(32) NOT NULL, "name" character varying(200) NOT NULL, "description" text, "status" character varying(32) NOT NULL DEFAULT 'VERIFICATION_PENDING', "disable_reason_code" character varying(64), "disable_reason_message" text, "callback_url" text NOT NULL, "secret" text, "previous_secret" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "signature" jsonb NOT NULL DEFAULT '{}', "required_headers" jsonb NOT NULL DEFAULT '{}', "event_types" text array NOT NULL DEFAULT '{}', "vendor_ref" character varying(200), "vendor_config" jsonb NOT NULL DEFAULT '{}', "verified_at" TIMESTAMP WITH TIME ZONE, "last_event_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a87248d73155605cf782be9ee5e" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_subscriptions_vendor_ref" ON "subscriptions"  ("vendor", "vendor_ref") WHERE "vendor_ref" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "IDX_subscriptions_vendor_status" ON "subscriptions"  ("vendor", "status") `);
        await queryRunner.query(`CREATE TABLE "webhook_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "subscription_id" uuid, "vendor" character varying(32) NOT NULL, "event_type" character varying(200), "dedupe_key" character varying(300) NOT NULL, "status" character varying(16) NOT NULL, "validation_errors" jsonb, "occurred_at" TIMESTAMP WITH TIME ZONE, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "headers" jsonb NOT NULL DEFAULT '{}', "payload" jsonb, "raw_body" bytea NOT NULL, "created_xid" bigint NOT NULL, CONSTRAINT "PK_4cba37e6a0acb5e1fc49c34ebfd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_webhook_events_vendor_feed" ON "webhook_events"  ("vendor", "created_xid", "id") `);
        await queryRunner.query(`CREATE INDEX "IDX_webhook_events_feed" ON "webhook_events"  ("created_xid", "id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_webhook_events_subscription_dedupe" ON "webhook_events"  ("subscription_id", "dedupe_key") `);
        await queryRunner.query(`ALTER TABLE "webhook_events" ADD CONSTRAINT "FK_fb19de2c9e217434d7c1b0ce98f" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "webhook_events" DROP CONSTRAINT "FK_fb19de2c9e217434d7c1b0ce98f"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_webhook_events_subscription_dedupe"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_webhook_events_feed"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_webhook_events_vendor_feed"`);
        await queryRunner.query(`DROP TABLE "webhook_events"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_subscriptions_vendor_status"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_subscriptions_vendor_ref"`);
        await queryRunner.query(`DROP TABLE "subscriptions"`);
    }

}
