// A QR code as one SVG path ("viewBox|path"), crisp at any size; loaded on demand.
import { correction, generate } from "lean-qr";

export function qrSvgPath(text: string): string {
  const code = generate(text, { minCorrectionLevel: correction.M });
  const quiet = 2;
  let d = "";
  for (let y = 0; y < code.size; y++) {
    for (let x = 0; x < code.size; x++) {
      if (code.get(x, y)) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }
  }
  const side = code.size + quiet * 2;
  return `0 0 ${side} ${side}|${d}`;
}
