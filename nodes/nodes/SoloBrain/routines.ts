import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/**
 * What the scheduled routines (Reminder, Briefing) share: "today" is a day in the user's
 * time zone, n8n's own (GENERIC_TIMEZONE, which `solo-brain up` sets to SOLO_BRAIN_TZ)
 * unless the node says otherwise.
 */
export function todayZoneOption(): INodeProperties {
	return {
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: '',
		placeholder: 'e.g. Europe/Paris',
		description:
			'The zone that says which day "today" is (IANA name). Empty: the time zone of this n8n (its workflow settings, or GENERIC_TIMEZONE).',
	};
}

/** The time zone option, or n8n's time zone when it is empty. */
export function todayZoneOf(this: IExecuteFunctions, options: IDataObject): string {
	const zone = String(options.timeZone ?? '').trim();
	return zone || this.getTimezone();
}
