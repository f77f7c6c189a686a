// Live transcription from the microphone: an AudioWorklet turns it into 16 kHz PCM, sent over
// `WS /v1/stream` (the config first, audio once the gateway says ready, `{"action": "stop"}` at the end).

import { streamUrl } from "./api.js";

export class LiveSession {
  constructor(handlers) {
    this.handlers = handlers; // onReady, onPartial, onSegment, onFinal, onError, onClosed
    this.ready = false;
    this.waiting = []; // audio recorded before the gateway said ready: sent then, so no word is lost
  }

  async start(language) {
    this.media = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule("/web/pcm-worklet.js");
    this.source = this.context.createMediaStreamSource(this.media);
    this.node = new AudioWorkletNode(this.context, "pcm-16k", { numberOfOutputs: 0 });
    this.socket = new WebSocket(streamUrl({}));
    this.socket.binaryType = "arraybuffer";
    this.socket.onopen = () => this.socket.send(JSON.stringify({ language }));
    this.socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    this.socket.onclose = (event) => this.handlers.onClosed(event.code, event.reason);
    this.node.port.onmessage = (event) => {
      if (!this.ready) this.waiting.push(event.data);
      else if (this.socket.readyState === WebSocket.OPEN) this.socket.send(event.data);
    };
    this.source.connect(this.node);
  }

  receive(message) {
    if (message.error) this.handlers.onError(message.error);
    else if (message.status === "ready") {
      this.ready = true;
      for (const frame of this.waiting.splice(0)) this.socket.send(frame);
      this.handlers.onReady(message.model);
    } else if (message.final) this.handlers.onFinal(message);
    else if (message.partial !== undefined && !message.text) this.handlers.onPartial(message.partial);
    else if (message.text) this.handlers.onSegment(message);
  }

  // Stops the microphone; the gateway sends the final transcript, then closes the socket.
  stop() {
    this.media?.getTracks().forEach((track) => track.stop());
    this.source?.disconnect();
    this.context?.close();
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ action: "stop" }));
  }
}
