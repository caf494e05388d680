import type { INodeProperties } from 'n8n-workflow';
import { hubAnswer } from '../../hooks';
import { notificationSendDescription } from './send';

export const notificationDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['notification'] } },
		options: [
			{
				name: 'Send',
				value: 'send',
				action: 'Send a push notification to the phones',
				description: 'A Web Push to every subscribed phone, through the hub',
				routing: {
					request: { method: 'POST', url: '/api/notify' },
					output: { postReceive: [hubAnswer] },
				},
			},
		],
		default: 'send',
	},
	...notificationSendDescription,
];
