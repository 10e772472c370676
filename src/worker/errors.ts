/** Errors the API answers with, as JSON naming the field and the reason. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 503,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field && { field: this.field }) } };
  }
}

export const invalidParameter = (field: string, message: string): ApiError =>
  new ApiError(400, "invalid_parameter", message, field);
