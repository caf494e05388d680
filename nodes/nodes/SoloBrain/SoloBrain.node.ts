import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { runOperations, type Operations } from '../shared/execute';
import { getCategories, getClients, getDestinations, getProjects } from './methods/loadOptions';
import { audioDescription, audioOperations } from './resources/audio';
import { auditDescription, auditOperations } from './resources/audit';
import { briefingDescription, briefingOperations } from './resources/briefing';
import { captureDescription, captureOperations } from './resources/capture';
import { clientBriefingDescription, clientBriefingOperations } from './resources/clientBriefing';
import { dateDescription, dateOperations } from './resources/date';
import { deliveryDescription, deliveryOperations } from './resources/delivery';
import { filingDescription, filingOperations } from './resources/filing';
import { noteDescription, noteOperations } from './resources/note';
import { questionDescription, questionOperations } from './resources/question';
import { reminderDescription, reminderOperations } from './resources/reminder';

// Programmatic rather than declarative: Transcribe uploads binary audio as multipart and
// Speak can answer the audio as a binary file, which `routing` cannot express.
const operations: Operations = {
	audio: audioOperations,
	audit: auditOperations,
	briefing: briefingOperations,
	capture: captureOperations,
	clientBriefing: clientBriefingOperations,
	date: dateOperations,
	delivery: deliveryOperations,
	filing: filingOperations,
	note: noteOperations,
	question: questionOperations,
	reminder: reminderOperations,
};

export class SoloBrain implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Solo Brain',
		name: 'soloBrain',
		icon: {
			light: 'file:../../icons/solo-brain.svg',
			dark: 'file:../../icons/solo-brain.dark.svg',
		},
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Transcribe, classify, resolve dates, speak, and take captures through their lifecycle',
		defaults: {
			name: 'Solo Brain',
		},
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'soloBrainGlueApi',
				required: true,
				displayOptions: { show: { resource: ['audio'] } },
			},
			{
				name: 'soloBrainClassifyApi',
				required: true,
				displayOptions: { show: { resource: ['note', 'date', 'filing'] } },
			},
			{
				name: 'ccMeshApi',
				required: true,
				displayOptions: {
					show: {
						resource: [
							'capture',
							'delivery',
							'reminder',
							'briefing',
							'clientBriefing',
							'question',
							'audit',
						],
					},
				},
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Audio', value: 'audio', description: 'Transcription and speech (glue service)' },
					{
						name: 'Audit',
						value: 'audit',
						description: 'The audit log: failed workflow executions (hub)',
					},
					{
						name: 'Briefing',
						value: 'briefing',
						description: 'The morning briefing’s actions (hub)',
					},
					{
						name: 'Capture',
						value: 'capture',
						description: 'The capture lifecycle: transcript, filing, outcome, retries (hub)',
					},
					{
						name: 'Client Briefing',
						value: 'clientBriefing',
						description: 'Briefings before a meeting with a client, sent once each (hub)',
					},
					{ name: 'Date', value: 'date', description: 'Spoken dates (classify service)' },
					{
						name: 'Delivery',
						value: 'delivery',
						description: 'Calendar events, notes, prompts and replies a capture sends (hub)',
					},
					{
						name: 'Filing',
						value: 'filing',
						description: 'A capture filed in one call, answered in time (classify service)',
					},
					{ name: 'Note', value: 'note', description: 'Classification (classify service)' },
					{
						name: 'Question',
						value: 'question',
						description: 'Questions answered from the user’s own data (hub)',
					},
					{
						name: 'Reminder',
						value: 'reminder',
						description: 'The due actions to remind, each once (hub)',
					},
				],
				default: 'note',
			},
			...audioDescription,
			...captureDescription,
			...deliveryDescription,
			...filingDescription,
			...noteDescription,
			...questionDescription,
			...reminderDescription,
			...briefingDescription,
			...clientBriefingDescription,
			...auditDescription,
			...dateDescription,
		],
	};

	methods = {
		loadOptions: {
			getCategories,
			getClients,
			getDestinations,
			getProjects,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runOperations.call(this, operations);
	}
}
