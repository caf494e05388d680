import type { IDataObject, IN8nHttpFullResponse, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { SERVICES, type Service } from './services';

/**
 * Every Solo Brain service answers errors as `{"error": {"code", "message", ...}}`.
 * The code and the extra fields (e.g. `audio_ref`: the audio was kept) stay on the error's
 * `context.service`, so a workflow that continues on fail can still act on them.
 */
export interface ServiceErrorDetail extends IDataObject {
	status: number;
	code: string;
}

function parseBody(raw: unknown): IDataObject {
	let body = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
	if (typeof body === 'string') {
		const text = body;
		try {
			body = JSON.parse(text);
		} catch {
			return { message: text.slice(0, 300) };
		}
	}
	return body !== null && typeof body === 'object' ? (body as IDataObject) : {};
}

/** The NodeApiError for an HTTP error answer of `service`, with its code and details kept. */
export function serviceError(
	node: INode,
	service: Service,
	response: IN8nHttpFullResponse,
	itemIndex: number,
): NodeApiError {
	const body = parseBody(response.body);
	const envelope = (
		body.error !== null && typeof body.error === 'object' ? body.error : body
	) as IDataObject;
	const { code, message, ...extra } = envelope;
	const detail: ServiceErrorDetail = {
		status: response.statusCode,
		code: typeof code === 'string' ? code : `http_${response.statusCode}`,
		...extra,
	};
	const said = typeof message === 'string' && message ? message : `HTTP ${response.statusCode}`;
	const error = new NodeApiError(node, body as JsonObject, {
		message: `The ${SERVICES[service].label} refused: ${said}`,
		description: `HTTP ${response.statusCode}, code ${detail.code}${describeExtra(extra)}`,
		httpCode: String(response.statusCode),
		itemIndex,
	});
	error.context.service = detail;
	return error;
}

function describeExtra(extra: IDataObject): string {
	const parts = Object.entries(extra).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
	return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The NodeApiError for a service that could not be reached at all. */
export function unreachableError(
	node: INode,
	service: Service,
	url: string,
	cause: Error,
	itemIndex: number,
): NodeApiError {
	const error = new NodeApiError(node, { message: cause.message } as JsonObject, {
		message: `Cannot reach the ${SERVICES[service].label} at ${url}`,
		description: cause.message,
		itemIndex,
	});
	error.context.service = { status: 0, code: 'unreachable' };
	return error;
}

/** Any error as an n8n node error carrying the item index. */
export function asNodeError(
	node: INode,
	error: Error,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error, { itemIndex });
}

/** What an item carries when the node continues on fail: the message, and the service's code. */
export function errorJson(error: Error & { context?: IDataObject }): IDataObject {
	const detail = (error.context?.service ?? {}) as IDataObject;
	return { error: error.message, ...detail };
}
