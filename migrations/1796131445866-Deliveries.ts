import { MigrationInterface, QueryRunner } from "typeorm";

export class Deliveries1796131445866 implements MigrationInterface {
    name = 'Deliveries1796131445866'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "destinations" ("id" uuid NOT NULL, "name" character varying(200) NOT NULL, "url" character varying(2000) NOT NULL, "filter" jsonb NOT NULL DEFAULT '{}', "format" character varying(16) NOT NULL DEFAULT 'envelope', "headers" text, "ordering" character varying(16) NOT NULL DEFAULT 'none', "max_concurrency" integer NOT NULL DEFAULT '10', "rate_limit_per_second" integer, "timeout_ms" integer NOT NULL DEFAULT '15000', "signing_secret" text NOT NULL, "previous_signing_secret" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL DEFAULT 'active', "disabled_reason" character varying(500), "disabled_at" TIMESTAMP WITH TIME ZONE, "throttled_until" TIMESTAMP WITH TIME ZONE, "failing_since" TIMESTAMP WITH TIME ZONE, "cursor_xid" bigint NOT NULL, "cursor_id" bigint NOT NULL, "rate_tokens" double precision, "rate_refilled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_69c5e8db964dcb83d3a0640f3c7" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "deliveries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "destination_id" uuid NOT NULL, "event_id" bigint NOT NULL, "subscription_id" uuid, "event_xid" bigint NOT NULL, "state" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "leased_until" TIMESTAMP WITH TIME ZONE, "leased_by" character varying(64), "last_status_code" integer, "last_error" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_deliveries_event" ON "deliveries"  ("event_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_deliveries_ordering" ON "deliveries"  ("destination_id", "subscription_id", "event_xid", "event_id") WHERE "state" = 'pending'`);
        await queryRunner.query(`CREATE INDEX "IDX_deliveries_due" ON "deliveries"  ("next_attempt_at", "id") WHERE "state" = 'pending'`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_deliveries_destination_event" ON "deliveries"  ("destination_id", "event_id") `);
        await queryRunner.query(`CREATE TABLE "delivery_attempts" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "delivery_id" bigint NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "status_code" integer, "duration_ms" integer NOT NULL, "response_headers" jsonb NOT NULL DEFAULT '{}', "response_body" text, "error" character varying(500), CONSTRAINT "PK_41eba4eb5401d72860f7cd9a7ac" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_delivery_attempts_delivery" ON "delivery_attempts"  ("delivery_id", "id") `);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "FK_54ae7ba574f9348fd6ffa57f653" FOREIGN KEY ("destination_id") REFERENCES "destinations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "FK_6a9b04f909fedcc6438b48b90c1" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "delivery_attempts" ADD CONSTRAINT "FK_a9d7e7212c87084249a641ab455" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "delivery_attempts" DROP CONSTRAINT "FK_a9d7e7212c87084249a641ab455"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "FK_6a9b04f909fedcc6438b48b90c1"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP CONSTRAINT "FK_54ae7ba574f9348fd6ffa57f653"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_delivery_attempts_delivery"`);
        await queryRunner.query(`DROP TABLE "delivery_attempts"`);
        await queryRunner.query(`DROP INDEX "public"."UQ_deliveries_destination_event"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_deliveries_due"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_deliveries_ordering"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_deliveries_event"`);
        await queryRunner.query(`DROP TABLE "deliveries"`);
        await queryRunner.query(`DROP TABLE "destinations"`);
    }

}
