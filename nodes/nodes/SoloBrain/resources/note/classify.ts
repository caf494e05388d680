import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { serviceJson } from '../../../shared/transport';
import { momentOption, timeZoneOption, withMoment } from '../../descriptions';

const show = { resource: ['note'], operation: ['classify'] };

export const classifyDescription: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		displayOptions: { show },
		description: 'The note, as transcribed or typed',
	},
	{
		displayName: 'Hint',
		name: 'hint',
		type: 'string',
		default: '',
		displayOptions: { show },
		placeholder: 'e.g. réunion client',
		description: "The user's own label for the note; the classifier weighs it more than the text",
	},
	{
		displayName: 'Known Context',
		name: 'context',
		type: 'collection',
		placeholder: 'Add Context',
		default: {},
		displayOptions: { show },
		description:
			'What the workflow already knows about the note (e.g. it came from a client’s group); it is added to the hint',
		options: [
			{
				displayName: 'Category Name or ID',
				name: 'category',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getCategories' },
				default: '',
				description:
					'The category the note belongs to. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Client Name or ID',
				name: 'client',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getClients' },
				default: '',
				description:
					'The client the note is about. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Project Name or ID',
				name: 'project',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getProjects' },
				default: '',
				description:
					'The project the note is about. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Capture ID',
				name: 'captureId',
				type: 'string',
				default: '',
				description: "The capture's ID, for the service's logs",
			},
			momentOption(
				'Captured At',
				'When the note was captured: "vendredi" is the Friday after it (default: now)',
			),
			{
				displayName: 'Public',
				name: 'public',
				type: 'boolean',
				default: false,
				description:
					'Whether an external model may read the note (never when a known client is detected)',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				options: [
					{ name: 'API', value: 'api' },
					{ name: 'Email', value: 'email' },
					{ name: 'PWA', value: 'pwa' },
					{ name: 'Siri', value: 'siri' },
					{ name: 'WhatsApp', value: 'whatsapp' },
				],
				default: 'api',
				description: 'Where the note came from',
			},
			timeZoneOption,
		],
	},
];

/** The hint the classifier reads: the user's label, then what the workflow knows. */
export function contextHint(hint: string, context: IDataObject): string | null {
	const parts = [hint.trim()];
	if (context.category) parts.push(`catégorie : ${String(context.category)}`);
	if (context.project) parts.push(`projet : ${String(context.project)}`);
	if (context.client) parts.push(`client : ${String(context.client)}`);
	const joined = parts.filter((part) => part !== '').join(' ; ');
	return joined === '' ? null : joined;
}

/** Classify a note: category, project, client, actions with resolved dates, speech. */
export async function classify(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const text = this.getNodeParameter('text', itemIndex) as string;
	const hint = this.getNodeParameter('hint', itemIndex, '') as string;
	const context = this.getNodeParameter('context', itemIndex, {}) as IDataObject;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body = withMoment({ text, hint: contextHint(hint, context) }, options);
	if (options.source) body.source = options.source;
	if (options.public !== undefined) body.public = options.public;
	if (options.captureId) body.capture_id = options.captureId;
	const json = await serviceJson.call(
		this,
		'classify',
		{ method: 'POST', path: '/v1/classify', body },
		itemIndex,
	);
	return { json };
}
