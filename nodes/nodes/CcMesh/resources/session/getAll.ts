import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['session'], operation: ['getAll'] };

export const sessionGetAllDescription: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: { show },
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: { show: { ...show, returnAll: [false] } },
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Active Since',
				name: 'activeSince',
				type: 'dateTime',
				default: '',
				description: 'Only sessions with a message at or after this time',
			},
			{
				displayName: 'Live in a Terminal Only',
				name: 'liveOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to keep only sessions open in a terminal right now',
			},
			{
				displayName: 'Machine',
				name: 'machine',
				type: 'string',
				default: '',
				description: 'Only the sessions of this machine (its agent name)',
			},
			{
				displayName: 'Online Machines Only',
				name: 'onlineOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to keep only sessions whose machine is connected to the hub',
			},
			{
				displayName: 'Project',
				name: 'project',
				type: 'string',
				default: '',
				description: 'Only the sessions of this project (case-insensitive)',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				options: [
					{ name: 'Idle', value: 'idle' },
					{ name: 'Live in a Terminal', value: 'live_terminal' },
					{ name: 'Running', value: 'running' },
					{ name: 'Waiting for a Permission', value: 'waiting_permission' },
				],
				default: [],
			},
			{
				displayName: 'With Pending Permissions Only',
				name: 'pendingOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to keep only sessions with a tool call waiting for a decision',
			},
		],
	},
];
