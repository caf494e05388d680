import { NodeConnectionTypes, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { searchSessions } from './methods/listSearch';
import { getPendingPermissions } from './methods/loadOptions';
import { notificationDescription } from './resources/notification';
import { permissionDescription } from './resources/permission';
import { sessionDescription } from './resources/session';

export class CcMesh implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'CC Mesh',
		name: 'ccMesh',
		icon: { light: 'file:../../icons/cc-mesh.svg', dark: 'file:../../icons/cc-mesh.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Drive the Claude Code sessions of every machine and notify the phones through the CC Mesh hub',
		defaults: {
			name: 'CC Mesh',
		},
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ccMeshApi', required: true }],
		requestDefaults: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
			json: true,
			// Error answers reach the postReceive steps, which raise them with the hub's message.
			ignoreHttpStatusErrors: true,
		},
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Notification',
						value: 'notification',
						description: 'A Web Push to the phones',
					},
					{
						name: 'Permission',
						value: 'permission',
						description: 'A tool call waiting for a decision',
					},
					{ name: 'Session', value: 'session', description: 'A Claude Code session on a machine' },
				],
				default: 'session',
			},
			...sessionDescription,
			...permissionDescription,
			...notificationDescription,
		],
	};

	methods = {
		listSearch: { searchSessions },
		loadOptions: { getPendingPermissions },
	};
}
