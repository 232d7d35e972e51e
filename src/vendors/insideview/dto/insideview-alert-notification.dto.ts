import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';
import { parseInsideViewDate } from '../insideview-date';

function IsAlertId(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAlertId',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a non-negative integer or a string of digits and letters', ...options },
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
          (typeof value === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(value)),
      },
    });
}

function IsInsideViewDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isInsideViewDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date like 2020-02-26T11:52:29+0000 or 2020-02-26 11:52:29:00+0000', ...options },
      validator: { validate: (value: unknown) => parseInsideViewDate(value) !== null },
    });
}

/**
 * InsideView's alert notification. The docs type `alertId` as Integer while the example sends
 * "364559", and document one date format while the example uses another: both are accepted.
 */
export class InsideViewAlertNotificationDto {
  @ApiProperty({ description: "InsideView's alert id: documented as an integer, sent as a string; both are accepted. What repeats dedupe on", oneOf: [{ type: 'string' }, { type: 'integer' }], example: '364559' })
  @IsAlertId()
  alertId: string | number;

  @ApiProperty({ description: "InsideView's subscription id (the gateway's vendorRef)", maxLength: 200, example: 'oshbv7671moesavtb0e0' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subscriptionId: string;

  @ApiProperty({ description: 'Alert date: `2020-02-26T11:52:29+0000` (documented) or `2020-02-26 11:52:29:00+0000` (sent); both are accepted', example: '2020-02-26 11:52:29:00+0000' })
  @IsInsideViewDate()
  date: string;

  @ApiProperty({ description: 'Subscription type', maxLength: 64, example: 'company' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  type: string;
}
