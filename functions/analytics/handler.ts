// Placeholder: the real analytics handler lands with the walking skeleton (issue 2). Entry point contract: export `handler`.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 503, body: "" });
