import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Ordering `subscription`: how long a head may hold back the rest of its subscription
 * (destinations.ordering_max_hold_seconds, null: no bound), counted from the first attempt of the
 * delivery's current round (deliveries.round_started_at, set by the claim when a round's first
 * attempt is made: after a retry or a replay the clock starts again).
 */
export class OrderingMaxHold1796700000000 implements MigrationInterface {
    name = 'OrderingMaxHold1796700000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "destinations" ADD "ordering_max_hold_seconds" integer`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "round_started_at" TIMESTAMP WITH TIME ZONE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "round_started_at"`);
        await queryRunner.query(`ALTER TABLE "destinations" DROP COLUMN "ordering_max_hold_seconds"`);
    }

}
