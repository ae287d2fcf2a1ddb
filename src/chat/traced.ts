// A chat adapter whose every call is a span ("chat postReport"), so a trace
// shows the chat API's own requests (http/fetch spans) under the step that made them.
import { inSpan } from '../telemetry/spans.js';
import type { ChatAdapter } from './adapter.js';

export function traced(adapter: ChatAdapter): ChatAdapter {
  const attrs = { 'rca.platform': adapter.platform };
  return {
    platform: adapter.platform,
    postStatus: (...a) => inSpan('chat postStatus', attrs, () => adapter.postStatus(...a)),
    updateStatus: (...a) => inSpan('chat updateStatus', attrs, () => adapter.updateStatus(...a)),
    postReport: (...a) => inSpan('chat postReport', attrs, () => adapter.postReport(...a)),
    uploadImage: (...a) => inSpan('chat uploadImage', { ...attrs, 'rca.file': a[2] }, () => adapter.uploadImage(...a)),
    reply: (...a) => inSpan('chat reply', attrs, () => adapter.reply(...a)),
    postNotice: (...a) => inSpan('chat postNotice', attrs, () => adapter.postNotice(...a)),
    editNotice: (...a) => inSpan('chat editNotice', attrs, () => adapter.editNotice(...a)),
  };
}
