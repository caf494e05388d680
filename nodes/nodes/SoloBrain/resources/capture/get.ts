import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { captureIdField, captureIdOf, lifecycleCall } from '../../lifecycle';

export const getDescription: INodeProperties[] = [captureIdField('capture', ['get'])];

/** The capture with its actions, as the workflows see it. */
export async function get(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData> {
	const path = `/captures/${captureIdOf.call(this, itemIndex)}`;
	return { json: (await lifecycleCall.call(this, 'GET', path, itemIndex)) as never };
}
