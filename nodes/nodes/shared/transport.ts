import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { serviceError, unreachableError } from './errors';
import { baseUrlOf, SERVICES, type Service } from './services';

type Context = IExecuteFunctions | ILoadOptionsFunctions;

export interface ServiceRequest {
	method: IHttpRequestMethods;
	path: string;
	qs?: IDataObject;
	/** JSON body, or raw bytes (then `headers` names their content type). */
	body?: IDataObject | Buffer;
	headers?: IDataObject;
	/** Answer as bytes (audio) instead of parsed JSON. */
	binary?: boolean;
	/** Milliseconds; the services' own upstream timeouts are shorter. */
	timeout?: number;
	/** These error statuses are answers to hand on, not errors (the Filing resource's 4xx). */
	answerStatuses?: number[];
}

const DEFAULT_TIMEOUT_MS = 130_000; // Whisper and the classifier may take up to 120 s.

/**
 * One request to a Solo Brain service with its credential: the answer on success,
 * a NodeApiError carrying the service's error code otherwise.
 */
export async function serviceRequest(
	this: Context,
	service: Service,
	request: ServiceRequest,
	itemIndex = 0,
): Promise<IN8nHttpFullResponse> {
	const { credential } = SERVICES[service];
	const credentials = await this.getCredentials(credential, itemIndex);
	const url = `${baseUrlOf(credentials)}${request.path}`;
	const options: IHttpRequestOptions = {
		method: request.method,
		url,
		qs: request.qs,
		body: request.body,
		headers: request.headers,
		json: !request.binary && !Buffer.isBuffer(request.body),
		encoding: request.binary ? 'arraybuffer' : undefined,
		timeout: request.timeout ?? DEFAULT_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	let response: IN8nHttpFullResponse;
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(
			this,
			credential,
			options,
		)) as IN8nHttpFullResponse;
	} catch (error) {
		// Status errors are answers (handled below): only a failed connection lands here.
		throw unreachableError(this.getNode(), service, url, error as Error, itemIndex);
	}
	if (response.statusCode >= 400 && !request.answerStatuses?.includes(response.statusCode)) {
		throw serviceError(this.getNode(), service, response, itemIndex);
	}
	return response;
}

/** The JSON answer of a request (see `serviceRequest`). */
export async function serviceJson(
	this: Context,
	service: Service,
	request: ServiceRequest,
	itemIndex = 0,
): Promise<IDataObject> {
	const response = await serviceRequest.call(this, service, request, itemIndex);
	return response.body as IDataObject;
}
