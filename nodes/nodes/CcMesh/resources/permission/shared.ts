import type { INodeProperties } from 'n8n-workflow';
import { SESSION_PATH, sessionLocator } from '../../descriptions';

/** The permission's URL path under its session. */
export const PERMISSION_PATH = `${SESSION_PATH}/permissions/{{encodeURIComponent($parameter.permission)}}`;

/** The session, then one of its pending permissions (listed live, or an ID from an event). */
export function permissionFields(operation: string): INodeProperties[] {
	const show = { resource: ['permission'], operation: [operation] };
	return [
		{ ...sessionLocator, displayOptions: { show } },
		{
			displayName: 'Permission Name or ID',
			name: 'permission',
			type: 'options',
			typeOptions: {
				loadOptionsMethod: 'getPendingPermissions',
				loadOptionsDependsOn: ['session.value'],
			},
			default: '',
			required: true,
			displayOptions: { show },
			description:
				'The pending tool call. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
	];
}
