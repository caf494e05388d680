import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { serviceJson } from '../shared/transport';

/**
 * What the Capture and Delivery resources share: the hub's lifecycle API
 * (`/api/lifecycle/...`, thin over the capture lifecycle's SQL functions) and common fields.
 */
export async function lifecycleCall(
	this: IExecuteFunctions,
	method: IHttpRequestMethods,
	path: string,
	itemIndex: number,
	body?: IDataObject,
	qs?: IDataObject,
): Promise<unknown> {
	return await serviceJson.call(
		this,
		'hub',
		{ method, path: `/api/lifecycle${path}`, body, qs, timeout: 30_000 },
		itemIndex,
	);
}

/** One output item per element of a list answer (none for an empty list). */
export function itemsOf(answer: unknown): INodeExecutionData[] {
	return (answer as IDataObject[]).map((json) => ({ json }));
}

/** A capture ID field of a lifecycle operation, filled from the input item by default. */
export function captureIdField(
	resource: string,
	operations: string[],
	description = 'The capture (cap_…)',
): INodeProperties {
	return {
		displayName: 'Capture ID',
		name: 'captureId',
		type: 'string',
		default: '={{ $json.capture_id }}',
		required: true,
		displayOptions: { show: { resource: [resource], operation: operations } },
		placeholder: 'e.g. cap_01J…',
		description,
	};
}

/** The capture ID parameter, encoded for a path. */
export function captureIdOf(this: IExecuteFunctions, itemIndex: number): string {
	return encodeURIComponent(String(this.getNodeParameter('captureId', itemIndex)).trim());
}

/** A JSON parameter as an object: an expression gives one, typed JSON is parsed. */
export function jsonParameter(
	this: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback: unknown = undefined,
): unknown {
	const value = this.getNodeParameter(name, itemIndex, fallback) as unknown;
	if (typeof value !== 'string') return value;
	if (value.trim() === '') return fallback;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		throw new NodeOperationError(this.getNode(), `The field "${name}" is not valid JSON`, {
			itemIndex,
			description: 'Give a JSON value, or an expression such as {{ $json.body }}',
		});
	}
}

/** The options that are set, under the API's names. */
export function setOptions(options: IDataObject, names: Record<string, string>): IDataObject {
	const body: IDataObject = {};
	for (const [option, field] of Object.entries(names)) {
		const value = options[option];
		if (value !== undefined && value !== '' && value !== null) body[field] = value;
	}
	return body;
}

/** The "Options" collection of a lifecycle operation. */
export function optionsField(
	show: Record<string, string[]>,
	options: INodeProperties[],
): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options,
	};
}

/** A number of seconds (or of attempts) among an operation's options. */
export function numberOption(
	displayName: string,
	name: string,
	defaultValue: number,
	description: string,
	minValue = 0,
): INodeProperties {
	return {
		displayName,
		name,
		type: 'number',
		default: defaultValue,
		typeOptions: { minValue },
		description,
	};
}

/** The destination's answer: JSON as such, any other text (an HTML error page) as text. */
export function answerParameter(this: IExecuteFunctions, name: string, itemIndex: number): unknown {
	const value = this.getNodeParameter(name, itemIndex, null) as unknown;
	if (typeof value !== 'string') return value ?? null;
	if (value.trim() === '') return null;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value;
	}
}

/**
 * What a destination answered, as an HTTP Request node with "Include Response Headers and
 * Status" and "Never Error" outputs it: its status, body and error (read from the item).
 */
export function answerFields(
	show: Record<string, string[]>,
	bodyDescription: string,
): INodeProperties[] {
	return [
		{
			displayName: 'HTTP Status',
			name: 'status',
			type: 'number',
			default: 0,
			displayOptions: { show },
			description:
				'What the destination answered: the statusCode of an HTTP Request node with "Include Response Headers and Status"; 0 when no answer came',
		},
		{
			displayName: 'Response Body',
			name: 'body',
			type: 'json',
			default: '={{ $json.body ?? null }}',
			displayOptions: { show },
			description: bodyDescription,
		},
		{
			displayName: 'Error',
			name: 'error',
			type: 'json',
			default: '={{ $json.error ?? null }}',
			displayOptions: { show },
			description: 'The request’s error when it failed without an answer',
		},
	];
}
