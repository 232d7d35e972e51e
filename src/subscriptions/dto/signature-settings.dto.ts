import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, Matches } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { HEADER_NAME } from './header-map.validator';

export class SignatureSettingsDto {
  /** Header that carries the signature or token. */
  @ApiPropertyOptional({ description: "Header that carries the signature or token (default: the vendor's)", example: 'X-Webhook-Signature' })
  @IsOmittable()
  @Matches(HEADER_NAME, { message: 'signature.header must be a valid HTTP header name' })
  header?: string;

  @ApiPropertyOptional({
    description: '`token`: the header holds the shared secret itself (default); `hmac-sha256`: lowercase hex HMAC-SHA256 of the raw body, `sha256=` prefix optional',
    enum: ['token', 'hmac-sha256'],
    example: 'token',
  })
  @IsOmittable()
  @IsIn(['token', 'hmac-sha256'])
  scheme?: 'token' | 'hmac-sha256';
}
