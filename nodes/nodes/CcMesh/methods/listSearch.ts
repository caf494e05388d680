import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { serviceJson } from '../../shared/transport';

/** A session as a person names it: where it works, what it is about, on which machine. */
export function sessionLabel(session: IDataObject): string {
	const where = session.project || session.cwd || session.id;
	const title = session.title ? ` — ${String(session.title)}` : '';
	const pending = (session.pending_permissions as unknown[] | undefined)?.length ?? 0;
	const waiting = pending ? `, ${pending} pending` : '';
	return `${String(where)}${title} (${String(session.agent)}${waiting})`;
}

/** The sessions whose project, title, folder or machine contains the typed text. */
export async function searchSessions(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const sessions = (await serviceJson.call(this, 'hub', {
		method: 'GET',
		path: '/api/sessions',
	})) as unknown as IDataObject[];
	const needle = (filter ?? '').trim().toLowerCase();
	const matches = sessions.filter((s) =>
		[s.project, s.title, s.cwd, s.agent, s.id].some((v) =>
			String(v ?? '')
				.toLowerCase()
				.includes(needle),
		),
	);
	return { results: matches.map((s) => ({ name: sessionLabel(s), value: String(s.id) })) };
}
