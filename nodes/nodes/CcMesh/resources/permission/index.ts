import type { INodeProperties } from 'n8n-workflow';
import { hubAnswer } from '../../hooks';
import { permissionApproveDescription } from './approve';
import { permissionDenyDescription } from './deny';
import { PERMISSION_PATH } from './shared';

export const permissionDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['permission'] } },
		options: [
			{
				name: 'Approve',
				value: 'approve',
				action: 'Approve a pending permission',
				description: 'Let the pending tool call run',
				routing: {
					request: { method: 'POST', url: `${PERMISSION_PATH}/approve` },
					output: { postReceive: [hubAnswer] },
				},
			},
			{
				name: 'Deny',
				value: 'deny',
				action: 'Deny a pending permission',
				description: 'Refuse the pending tool call, with a message Claude reads',
				routing: {
					request: { method: 'POST', url: `${PERMISSION_PATH}/deny` },
					output: { postReceive: [hubAnswer] },
				},
			},
		],
		default: 'approve',
	},
	...permissionApproveDescription,
	...permissionDenyDescription,
];
