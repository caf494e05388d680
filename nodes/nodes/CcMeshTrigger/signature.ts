import { createHmac, timingSafeEqual } from 'crypto';

/** How old a signed event may be (replays of a captured event are refused after that). */
export const MAX_AGE_S = 300;

/**
 * Why a signature header does not prove `body` came from the hub with `secret`, or null when
 * it does: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, compared in
 * constant time, at most MAX_AGE_S away from `nowS`.
 */
export function signatureProblem(
	secret: string,
	header: string | undefined,
	body: Buffer,
	nowS: number,
): string | null {
	if (!header) return 'no X-CC-Mesh-Signature header';
	const parts = Object.fromEntries(
		header.split(',').map((part) => {
			const at = part.indexOf('=');
			return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
		}),
	);
	const sentAt = Number(parts.t);
	if (!Number.isInteger(sentAt) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) {
		return 'a malformed X-CC-Mesh-Signature header';
	}
	if (Math.abs(nowS - sentAt) > MAX_AGE_S) return 'a signature too old (or from the future)';
	const expected = createHmac('sha256', secret)
		.update(Buffer.concat([Buffer.from(`${sentAt}.`), body]))
		.digest();
	const given = Buffer.from(parts.v1, 'hex');
	return timingSafeEqual(expected, given) ? null : 'a wrong signature';
}
