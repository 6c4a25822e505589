import type { PromptContent } from "./types";

/** The content fields of a prompt head or version: what a version snapshot copies (absent fields stay absent). */
export function promptContentOf(source: PromptContent): PromptContent {
  return {
    template: source.template,
    parametersJson: source.parametersJson,
    ...(source.model === undefined ? {} : { model: source.model }),
    ...(source.virtualKey === undefined ? {} : { virtualKey: source.virtualKey }),
    ...(source.functionsJson === undefined ? {} : { functionsJson: source.functionsJson }),
    ...(source.toolsJson === undefined ? {} : { toolsJson: source.toolsJson }),
    ...(source.toolChoiceJson === undefined ? {} : { toolChoiceJson: source.toolChoiceJson }),
    ...(source.templateMetadataJson === undefined ? {} : { templateMetadataJson: source.templateMetadataJson }),
    ...(source.versionDescription === undefined ? {} : { versionDescription: source.versionDescription }),
  };
}
