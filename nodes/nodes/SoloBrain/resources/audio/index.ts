import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../../../shared/execute';
import { speak, speakDescription } from './speak';
import { transcribe, transcribeDescription } from './transcribe';

export const audioOperations: Record<string, Operation> = { transcribe, speak };

export const audioDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['audio'] } },
		options: [
			{
				name: 'Speak',
				value: 'speak',
				action: 'Speak a text',
				description: 'Turn a text into speech with Kokoro (audio URL or file)',
			},
			{
				name: 'Transcribe',
				value: 'transcribe',
				action: 'Transcribe audio',
				description: 'Keep an audio file, then transcribe it with Whisper',
			},
		],
		default: 'transcribe',
	},
	...transcribeDescription,
	...speakDescription,
];
