import { IsIn, IsOptional, Matches } from 'class-validator';
import { HEADER_NAME } from './header-map.validator';

export class SignatureSettingsDto {
  /** Header that carries the signature or token. */
  @IsOptional()
  @Matches(HEADER_NAME, { message: 'signature.header must be a valid HTTP header name' })
  header?: string;

  @IsOptional()
  @IsIn(['token', 'hmac-sha256'])
  scheme?: 'token' | 'hmac-sha256';
}
