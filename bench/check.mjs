// Checks shared by the benchmark scripts: every timed response must be the
// success it is meant to measure. A benchmark that timed 503s or 401s would
// print plausible figures for work that never happened, so the first
// unexpected answer stops the run (no figures are printed after it).

export class BenchmarkFailure extends Error {
  name = "BenchmarkFailure";
}

/**
 * Reads the response body and checks the status and the essential body field.
 * @param {string} step what was asked, e.g. "POST /auth/verify-otp"
 * @param {Response} res
 * @param {number} status the expected HTTP status
 * @param {(body: any) => boolean} [isExpected] check of the parsed JSON body
 * @param {string} [expectation] what isExpected looks for, for the message
 * @returns {Promise<any>} the parsed body (null when empty)
 */
export async function expectAnswer(step, res, status, isExpected = () => true, expectation = "") {
  const text = await res.text();
  let body = null;
  let parsed = true;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      parsed = false;
    }
  }
  if (res.status === status && parsed && isExpected(body)) return body;
  const code = body?.error?.code ?? "none";
  throw new BenchmarkFailure(
    `${step}: expected ${status}${expectation ? ` with ${expectation}` : ""}, got ${res.status} (error code: ${code}): ${text.slice(0, 300)}`,
  );
}

/** Runs the benchmark's main function; on a failure says so and exits non-zero. */
export async function runBenchmark(main) {
  try {
    await main();
  } catch (err) {
    const what = err instanceof BenchmarkFailure ? err.message : (err?.stack ?? String(err));
    console.error(`\nBENCHMARK FAILED (no figures printed): ${what}`);
    process.exit(1);
  }
}

