import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { In, Repository } from 'typeorm';
import { AppException } from '../../common/app.exception';
import { NOT_DELETED, Subscription } from '../../subscriptions/subscription.entity';
import type { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertFetchState, InsideViewAlert } from './insideview-alert.entity';
import { toAlertView, type AlertPage, type AlertView } from './insideview-alert.view';
import { InsideViewErrorCode } from './insideview-error-code';

/** The alerts read API: list and read alerts with their fetch state, and put one back in the queue. */
@Injectable()
export class InsideViewAlertsService {
  constructor(@InjectRepository(InsideViewAlert) private readonly alerts: Repository<InsideViewAlert>) {}

  async list(query: ListAlertsQuery): Promise<AlertPage> {
    const [rows, total] = await this.alerts.findAndCount({
      where: {
        ...(query.state !== undefined && { state: query.state }),
        ...(query.subscriptionId !== undefined && { subscriptionId: query.subscriptionId }),
      },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit ?? 100,
      skip: query.offset ?? 0,
    });
    return { data: rows.map((row) => toAlertView(row)), total };
  }

  async get(id: string): Promise<AlertView> {
    return toAlertView(await this.findOrFail(id), true);
  }

  /** Puts a failed (or fetched) alert back in the queue with a fresh count of attempts. */
  async retry(id: string): Promise<AlertView> {
    const alert = await this.findOrFail(id);
    if (!(await this.alerts.manager.existsBy(Subscription, { ...NOT_DELETED, id: alert.subscriptionId }))) {
      throw new AppException(HttpStatus.CONFLICT, InsideViewErrorCode.AlertNotRetryable, 'Its subscription was deleted, at InsideView too: there is nothing left to fetch');
    }
    const result = await this.alerts.update(
      { id: alert.id, state: In([AlertFetchState.Failed, AlertFetchState.Fetched]) },
      { state: AlertFetchState.Pending, attempts: 0, nextAttemptAt: () => 'now()', leaseOwner: null, leaseExpiresAt: null },
    );
    if (!result.affected) {
      throw new AppException(HttpStatus.CONFLICT, InsideViewErrorCode.AlertNotRetryable, `The alert is ${alert.state}; only failed or fetched alerts can be retried`);
    }
    return toAlertView(await this.findOrFail(id), true);
  }

  private async findOrFail(id: string): Promise<InsideViewAlert> {
    const alert = isUUID(id) ? await this.alerts.findOneBy({ id }) : null;
    if (!alert) throw new AppException(HttpStatus.NOT_FOUND, InsideViewErrorCode.AlertNotFound, `No InsideView alert ${id}`);
    return alert;
  }
}
