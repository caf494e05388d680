import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { runOperations, type Operations } from '../shared/execute';
import { getCategories, getClients, getProjects } from './methods/loadOptions';
import { audioDescription, audioOperations } from './resources/audio';
import { dateDescription, dateOperations } from './resources/date';
import { noteDescription, noteOperations } from './resources/note';

// Programmatic rather than declarative: Transcribe uploads binary audio as multipart and
// Speak can answer the audio as a binary file, which `routing` cannot express.
const operations: Operations = {
	audio: audioOperations,
	date: dateOperations,
	note: noteOperations,
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
		description: 'Transcribe, classify, resolve dates and speak with the Solo Brain services',
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
				displayOptions: { show: { resource: ['note', 'date'] } },
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
					{ name: 'Date', value: 'date', description: 'Spoken dates (classify service)' },
					{ name: 'Note', value: 'note', description: 'Classification (classify service)' },
				],
				default: 'note',
			},
			...audioDescription,
			...noteDescription,
			...dateDescription,
		],
	};

	methods = {
		loadOptions: {
			getCategories,
			getClients,
			getProjects,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runOperations.call(this, operations);
	}
}
