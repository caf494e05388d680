import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { jsonParameter, lifecycleCall } from '../../lifecycle';

const show = { resource: ['clientBriefing'], operation: ['plan'] };

export const planDescription: INodeProperties[] = [
	{
		displayName: 'Briefings',
		name: 'briefings',
		type: 'json',
		default: '={{ $json.briefings }}',
		required: true,
		displayOptions: { show },
		description:
			'The briefings worded by the classify service (POST /v1/client-briefings): [{event_id, start, client_id, title, speech, push}]',
	},
	{
		displayName: 'Send by Web Push',
		name: 'push',
		type: 'boolean',
		default: true,
		displayOptions: { show },
		description: 'Whether to send each briefing to the paired phones (the hub’s Web Push)',
	},
	{
		displayName: 'Send on Gotify',
		name: 'gotify',
		type: 'boolean',
		default: false,
		displayOptions: { show },
		description: 'Whether to send each briefing on Gotify',
	},
	{
		displayName: 'Send on WhatsApp To',
		name: 'whatsappTo',
		type: 'string',
		default: '',
		displayOptions: { show },
		placeholder: 'e.g. 33612345678',
		description: 'The WhatsApp number to send each briefing to as text (empty: none)',
	},
];

/**
 * Record the briefings seen for the first time (event ID and start), each with one pending send
 * per destination: `{planned: [event_id…]}`; a briefing planned before plans nothing.
 */
export async function plan(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const briefings = jsonParameter.call(this, 'briefings', itemIndex, []);
	if (!Array.isArray(briefings)) {
		throw new NodeOperationError(this.getNode(), 'The field "Briefings" is not a list', {
			itemIndex,
			description: 'Give the list the classify service answers, e.g. {{ $json.briefings }}',
		});
	}
	const whatsappTo = String(this.getNodeParameter('whatsappTo', itemIndex, '')).trim();
	const body: IDataObject = {
		briefings: briefings as IDataObject[],
		configured: {
			push: this.getNodeParameter('push', itemIndex) as boolean,
			gotify: this.getNodeParameter('gotify', itemIndex) as boolean,
			...(whatsappTo ? { whatsapp_to: whatsappTo } : {}),
		},
	};
	const planned = await lifecycleCall.call(this, 'POST', '/client-briefings/plan', itemIndex, body);
	return { json: planned as IDataObject };
}
