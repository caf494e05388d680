import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { asNodeError, errorJson } from './errors';

/** One operation on one input item: what it outputs for that item. */
export type Operation = (
	this: IExecuteFunctions,
	itemIndex: number,
) => Promise<INodeExecutionData | INodeExecutionData[]>;

/** The operations of a node, by resource then operation value. */
export type Operations = Record<string, Record<string, Operation>>;

/**
 * Run the chosen operation for every input item: outputs paired with their item, errors
 * raised with the item index, or kept as an error item when the node continues on fail.
 */
export async function runOperations(
	this: IExecuteFunctions,
	operations: Operations,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const run = operations[resource]?.[operation];
			if (run === undefined) {
				throw new NodeOperationError(
					this.getNode(),
					`Unknown operation "${operation}" of resource "${resource}"`,
					{ itemIndex },
				);
			}
			const result = await run.call(this, itemIndex);
			for (const output of Array.isArray(result) ? result : [result]) {
				returnData.push({ ...output, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			if (this.continueOnFail()) {
				const failed: INodeExecutionData = {
					json: errorJson(error as Error),
					pairedItem: { item: itemIndex },
				};
				// n8n sends an item to the error output (On Error → Continue (using error output))
				// only when it carries the error itself: it reads no {error, status, code} JSON.
				if (this.getNode().onError === 'continueErrorOutput') {
					failed.error = asNodeError(this.getNode(), error as Error, itemIndex);
				}
				returnData.push(failed);
				continue;
			}
			throw asNodeError(this.getNode(), error as Error, itemIndex);
		}
	}
	return [returnData];
}
