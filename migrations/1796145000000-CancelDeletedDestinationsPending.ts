import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Deleting a destination now cancels its pending deliveries. Those of destinations deleted before
 * stayed pending for ever (never claimed, counted by nothing): they end as cancelled too.
 */
export class CancelDeletedDestinationsPending1796145000000 implements MigrationInterface {
    name = 'CancelDeletedDestinationsPending1796145000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "deliveries" SET "state" = 'cancelled' WHERE "state" = 'pending' AND "destination_id" IN (SELECT "id" FROM "destinations" WHERE "deleted_at" IS NOT NULL)`);
    }

    public async down(): Promise<void> {
        // Nothing to undo: a pending delivery of a deleted destination was never going to be sent.
    }

}
