import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { serviceJson } from '../../shared/transport';

interface Catalog {
	projects: Array<{ slug: string; name: string; client_id: string | null }>;
	clients: Array<{ id: string; name: string }>;
}

async function catalog(this: ILoadOptionsFunctions): Promise<Catalog> {
	return (await serviceJson.call(this, 'classify', {
		method: 'GET',
		path: '/v1/catalog',
	})) as unknown as Catalog;
}

const byName = (a: INodePropertyOptions, b: INodePropertyOptions) => a.name.localeCompare(b.name);

/** The projects of the classifier's catalog. */
export async function getProjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { projects } = await catalog.call(this);
	return projects
		.map((p) => ({
			name: p.name,
			value: p.slug,
			description: p.client_id ? `${p.slug} (client ${p.client_id})` : p.slug,
		}))
		.sort(byName);
}

/** The clients of the classifier's catalog. */
export async function getClients(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { clients } = await catalog.call(this);
	return clients.map((c) => ({ name: c.name, value: c.id, description: c.id })).sort(byName);
}

/** The categories the classifier answers, read from its published schema. */
export async function getCategories(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const schema = (await serviceJson.call(this, 'classify', {
		method: 'GET',
		path: '/openapi.json',
	})) as IDataObject;
	const schemas = ((schema.components as IDataObject)?.schemas ?? {}) as IDataObject;
	const result = (schemas.ClassifyResult ?? {}) as IDataObject;
	const category = ((result.properties as IDataObject)?.category ?? {}) as IDataObject;
	const values = (category.enum ?? []) as string[];
	if (values.length === 0) {
		throw new NodeOperationError(
			this.getNode(),
			'The classify service publishes no categories in /openapi.json (ClassifyResult.category)',
		);
	}
	return values.map((value) => ({ name: value, value }));
}

const DESTINATION_NAMES: Record<string, string> = {
	calendar: 'Google Calendar',
	gotify: 'Gotify',
	hub: 'CC Mesh hub (Claude Code prompts)',
	onyx: 'Onyx',
	push: 'Web Push (the phones)',
	whatsapp: 'WhatsApp',
};

/** The delivery destinations the hub's lifecycle API knows, read from its published schema. */
export async function getDestinations(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const schema = (await serviceJson.call(this, 'hub', {
		method: 'GET',
		path: '/openapi.json',
	})) as IDataObject;
	const schemas = ((schema.components as IDataObject)?.schemas ?? {}) as IDataObject;
	const claim = (schemas.ClaimDeliveriesIn ?? {}) as IDataObject;
	const configured = ((claim.properties as IDataObject)?.configured ?? {}) as IDataObject;
	const values = (((configured.items as IDataObject) ?? {}).enum ?? []) as string[];
	if (values.length === 0) {
		throw new NodeOperationError(
			this.getNode(),
			'The hub publishes no delivery destinations in /openapi.json (ClaimDeliveriesIn.configured)',
		);
	}
	return values
		.map((value) => ({ name: DESTINATION_NAMES[value] ?? value, value, description: value }))
		.sort(byName);
}
