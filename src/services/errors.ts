/** Errors a use case reports to its channel (web page, JSON API, e-mail, hotline). */
export class NotFoundError extends Error {
  constructor(what = 'ticket') {
    super(`${what} not found`);
  }
}

/** Field name → Czech message; the form shows each next to its field. */
export class ValidationError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(`invalid input: ${Object.keys(fields).join(', ')}`);
  }
}

/** The action is not allowed in the ticket's current state (HTTP 409). */
export class ConflictError extends Error {
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

export class ForbiddenError extends Error {}
