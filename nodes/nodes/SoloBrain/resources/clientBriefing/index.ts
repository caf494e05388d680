import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { claimSends, claimSendsDescription } from './claimSends';
import { plan, planDescription } from './plan';
import { recordSend, recordSendDescription } from './recordSend';

export const clientBriefingOperations: Record<string, Operation> = { claimSends, plan, recordSend };

export const clientBriefingDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['clientBriefing'] } },
		options: [
			{
				name: 'Claim Sends',
				value: 'claimSends',
				action: 'Claim the due sends of client briefings',
				description: 'Each send due now with the request to make, leased to this run',
			},
			{
				name: 'Plan',
				value: 'plan',
				action: 'Plan client briefings',
				description: 'Record new briefings once per meeting, with a send per destination',
			},
			{
				name: 'Record Send',
				value: 'recordSend',
				action: 'Record the result of a briefing send',
				description: 'Done, tried again next run, or failed',
			},
		],
		default: 'plan',
	},
	...claimSendsDescription,
	...planDescription,
	...recordSendDescription,
];
