import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The claim counts a destination's attempts in flight (unexpired leases) under its row lock: with
 * this index it reads only the leased rows, not every pending one, so a large backlog does not slow it.
 */
export class DeliveriesLeasedIndex1796652000000 implements MigrationInterface {
    name = 'DeliveriesLeasedIndex1796652000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_deliveries_leased" ON "deliveries" ("destination_id", "leased_until") WHERE "state" = 'pending' AND "leased_until" IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_deliveries_leased"`);
    }

}
