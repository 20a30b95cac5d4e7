/** POSTs a JSON body to a running server; the answer's status and parsed JSON body. */
export async function postJson(
  base: string,
  path: string,
  body: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: callers assert response bodies field by field
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
