// The microphone as the stream wants it: 16 kHz mono 16-bit PCM, resampled (linear interpolation) from
// the audio context's rate and posted to the page about every 100 ms.

const OUT_RATE = 16000;
const CHUNK = 1600;

class Pcm16k extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / OUT_RATE;
    this.position = 1; // in a block's samples, 0 being the last sample of the block before
    this.previous = 0;
    this.out = new Int16Array(CHUNK);
    this.filled = 0;
  }

  push(sample) {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.out[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.filled === CHUNK) {
      this.port.postMessage(this.out.buffer, [this.out.buffer]);
      this.out = new Int16Array(CHUNK);
      this.filled = 0;
    }
  }

  process(inputs) {
    const input = inputs[0]?.[0];
    if (!input) return true;
    let p = this.position;
    while (p < input.length) {
      const i = Math.floor(p);
      const before = i === 0 ? this.previous : input[i - 1];
      this.push(before + (input[i] - before) * (p - i));
      p += this.step;
    }
    this.position = p - input.length;
    this.previous = input[input.length - 1];
    return true;
  }
}

registerProcessor("pcm-16k", Pcm16k);
