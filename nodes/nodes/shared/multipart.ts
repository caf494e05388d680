import { randomBytes } from 'crypto';

export interface FilePart {
	field: string;
	fileName: string;
	contentType: string;
	data: Buffer;
}

/** A multipart/form-data body and its content type (no runtime dependency needed). */
export function multipartBody(
	file: FilePart,
	fields: Record<string, string> = {},
): { body: Buffer; contentType: string } {
	const boundary = `----SoloBrain${randomBytes(16).toString('hex')}`;
	const chunks: Buffer[] = [];
	for (const [name, value] of Object.entries(fields)) {
		chunks.push(
			Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
			),
		);
	}
	chunks.push(
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; ` +
				`filename="${quote(file.fileName)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`,
		),
		file.data,
		Buffer.from(`\r\n--${boundary}--\r\n`),
	);
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function quote(value: string): string {
	return value.replace(/[\r\n"\\]/g, '_');
}
