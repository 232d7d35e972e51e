/** InsideView answered, but refused: a 4xx (or a 5xx after every retry) with its own message and code. */
export class InsideViewApiError extends Error {
  constructor(
    readonly status: number,
    readonly vendorCode: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** InsideView is throttling this account (429): no call may be made before `until`. */
export class InsideViewThrottledError extends Error {
  constructor(readonly until: Date) {
    super(`InsideView is throttling this account until ${until.toISOString()}`);
  }
}

/** InsideView could not be reached, timed out, or answered something that is not its JSON. */
export class InsideViewUnavailableError extends Error {}

/** No credentials are configured, so the gateway cannot call InsideView at all. */
export class InsideViewNotConfiguredError extends Error {
  constructor() {
    super('InsideView is not configured: set INSIDEVIEW_CLIENT_ID and INSIDEVIEW_CLIENT_SECRET, or INSIDEVIEW_ACCESS_TOKEN');
  }
}
