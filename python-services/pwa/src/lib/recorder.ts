// Push-to-talk: Safari records AAC in MP4, Chrome and Firefox Opus in WebM or Ogg. The first
// type the browser says it supports is used; the capture glue accepts all of them.

const TYPES = [
  "audio/mp4;codecs=mp4a.40.2",
  "audio/mp4",
  "audio/webm;codecs=opus",
  "audio/webm",
  "audio/ogg;codecs=opus",
];

export function pickMimeType(): string | null {
  if (typeof MediaRecorder === "undefined") return null;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

export function extensionFor(type: string): string {
  if (type.startsWith("audio/mp4")) return "m4a";
  if (type.startsWith("audio/ogg")) return "ogg";
  return "webm";
}

export class Recording {
  private chunks: Blob[] = [];
  private constructor(
    private readonly recorder: MediaRecorder,
    private readonly stream: MediaStream,
  ) {
    recorder.ondataavailable = (e) => {
      if (e.data.size) this.chunks.push(e.data);
    };
  }

  static async start(): Promise<Recording> {
    const type = pickMimeType();
    if (!type) throw new Error("Ce navigateur ne sait pas enregistrer de son.");
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const recording = new Recording(new MediaRecorder(stream, { mimeType: type }), stream);
    recording.recorder.start(250);
    return recording;
  }

  get mimeType(): string {
    return this.recorder.mimeType || pickMimeType() || "audio/webm";
  }

  /** Stop and return the audio (null when nothing was recorded). */
  stop(): Promise<Blob | null> {
    return new Promise((resolve) => {
      this.recorder.onstop = () => {
        this.stream.getTracks().forEach((t) => t.stop());
        const blob = new Blob(this.chunks, { type: this.mimeType.split(";")[0] });
        resolve(blob.size ? blob : null);
      };
      if (this.recorder.state === "inactive") this.recorder.onstop(new Event("stop"));
      else this.recorder.stop();
    });
  }
}
