import type { IDataObject, INodeProperties } from 'n8n-workflow';

/** The moment relative dates are counted from (Classify, Resolve Date). */
export function momentOption(displayName: string, description: string): INodeProperties {
	return { displayName, name: 'now', type: 'dateTime', default: '', description };
}

/** The time zone relative dates are resolved in (Classify, Resolve Date). */
export const timeZoneOption: INodeProperties = {
	displayName: 'Time Zone',
	name: 'tz',
	type: 'string',
	default: '',
	placeholder: 'e.g. Europe/Paris',
	description: "IANA time zone the dates are resolved in (default: the service's)",
};

/** `body` with the moment and time zone options that are set. */
export function withMoment(body: IDataObject, options: IDataObject): IDataObject {
	return {
		...body,
		...(options.now ? { now: options.now } : {}),
		...(options.tz ? { tz: options.tz } : {}),
	};
}
