import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { signatureProblem } from './signature';

const EVENTS = [
	{ name: 'Agent Offline', value: 'agent_offline', description: 'A machine stayed away' },
	{
		name: 'Capture Reclassified',
		value: 'capture_reclassified',
		description: 'A capture was re-classified by hand on the phone',
	},
	{
		name: 'Capture Retry',
		value: 'capture_retry',
		description: 'The phone asked to take a capture again now',
	},
	{
		name: 'Permission Pending',
		value: 'permission_pending',
		description: 'Claude Code waits for a decision on a tool call',
	},
	{
		name: 'Prompt Finished',
		value: 'prompt_finished',
		description: 'A prompt is done or failed (with the answer to speak, if asked)',
	},
	{
		name: 'Terminal Waiting',
		value: 'terminal_waiting',
		description: 'A terminal shows a dialog only the keyboard can answer',
	},
];

// No webhookMethods: the hub has no registration API, it posts to the one URL its
// MESH_EVENTS_WEBHOOK_URL names (set by `solo-brain up`, or by hand to this node's URL).
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class CcMeshTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'CC Mesh Trigger',
		name: 'ccMeshTrigger',
		icon: { light: 'file:../../icons/cc-mesh.svg', dark: 'file:../../icons/cc-mesh.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["events"] || []).join(", ") || "every event"}}',
		description: "Starts the workflow on the CC Mesh hub's events, their signature checked",
		defaults: { name: 'CC Mesh Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ccMeshApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: '={{$parameter["path"]}}',
				isFullPath: true,
			},
		],
		properties: [
			{
				displayName:
					"Point the hub at this node's Production URL with MESH_EVENTS_WEBHOOK_URL, and give it the credential's Events Signing Secret as MESH_EVENTS_SECRET",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: 'mesh-events',
				required: true,
				description: 'The webhook path the hub posts to, after /webhook/',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: EVENTS,
				default: [],
				description: 'The events that start the workflow (none chosen: every event)',
			},
		],
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		const { eventsSecret } = await this.getCredentials<{ eventsSecret?: string }>('ccMeshApi');
		if (!eventsSecret) {
			response.status(401).json({
				error: { code: 'unauthorized', message: 'Refused: the credential has no Events Signing Secret' },
			});
			return { noWebhookResponse: true };
		}
		const raw = (request as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
		const header = this.getHeaderData()['x-cc-mesh-signature'] as string | undefined;
		const problem = signatureProblem(eventsSecret, header, raw, Math.floor(Date.now() / 1000));
		if (problem !== null) {
			response.status(401).json({ error: { code: 'unauthorized', message: `Refused: ${problem}` } });
			return { noWebhookResponse: true };
		}
		const event = this.getBodyData() as IDataObject;
		const wanted = this.getNodeParameter('events', []) as string[];
		if (wanted.length > 0 && !wanted.includes(String(event.event))) {
			response.status(200).json({ accepted: false, reason: 'event not selected' });
			return { noWebhookResponse: true };
		}
		return { workflowData: [this.helpers.returnJsonArray([event])] };
	}
}
