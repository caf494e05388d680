import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { claimRetries, claimRetriesDescription } from './claimRetries';
import { file, fileDescription } from './file';
import { get, getDescription } from './get';
import { receiveWhatsApp, receiveWhatsAppDescription } from './receiveWhatsApp';
import { recordTranscript, recordTranscriptDescription } from './recordTranscript';
import { tell, tellDescription } from './tell';

export const captureOperations: Record<string, Operation> = {
	claimRetries,
	file,
	get,
	receiveWhatsApp,
	recordTranscript,
	tell,
};

export const captureDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['capture'] } },
		options: [
			{
				name: 'Claim Retries',
				value: 'claimRetries',
				action: 'Claim the captures to retry',
				description: 'The captures due for another pass, leased to this run',
			},
			{
				name: 'File',
				value: 'file',
				action: 'File a capture',
				description: 'Record the classification and plan the deliveries, or count a failed attempt',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a capture',
				description: 'The capture with its actions',
			},
			{
				name: 'Receive WhatsApp Message',
				value: 'receiveWhatsApp',
				// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased -- the brand is spelled WhatsApp
				action: 'Record a WhatsApp message as a capture',
				description: 'A capture replying to its sender, once per message ID',
			},
			{
				name: 'Record Transcript',
				value: 'recordTranscript',
				action: 'Record the transcript of a capture',
				description: 'Keep what a voice capture said',
			},
			{
				name: 'Tell Outcome',
				value: 'tell',
				action: 'Tell the outcome of a capture',
				description: 'Keep the sentence that tells the outcome and plan how it is told',
			},
		],
		default: 'file',
	},
	...claimRetriesDescription,
	...fileDescription,
	...getDescription,
	...receiveWhatsAppDescription,
	...recordTranscriptDescription,
	...tellDescription,
];
