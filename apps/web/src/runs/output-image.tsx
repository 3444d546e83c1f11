import { useState } from 'react';
import type { Detection } from '../api/types';
import { useI18n } from '../i18n/i18n';

/** An output image with its detection boxes (and recognised texts) drawn over it in the image's own pixels. */
export function OutputImage({
  url,
  detections,
  caption,
}: {
  url: string;
  detections: Detection[];
  caption: string;
}) {
  const { t } = useI18n();
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  return (
    <figure className="output" data-testid="output-image">
      <div className="output__frame">
        <img
          src={url}
          alt={caption}
          onLoad={(e) =>
            setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })
          }
        />
        {size && detections.length > 0 && (
          <svg
            className="output__boxes"
            viewBox={`0 0 ${size.width} ${size.height}`}
            preserveAspectRatio="none"
            role="img"
            aria-label={t('run.boxes', { count: detections.length })}
          >
            {detections.map((d) => (
              <g key={`${d.nodeId}.${d.port}.${d.idx}`} data-testid="detection-box">
                <rect
                  x={d.box.x}
                  y={d.box.y}
                  width={d.box.width}
                  height={d.box.height}
                  vectorEffect="non-scaling-stroke"
                />
                <text x={d.box.x} y={Math.max(12, d.box.y - 4)}>
                  {d.text ?? d.label} {d.score.toFixed(2)}
                </text>
              </g>
            ))}
          </svg>
        )}
      </div>
      <figcaption>
        {caption}
        {detections.length > 0 && ` · ${t('run.boxes', { count: detections.length })}`}
      </figcaption>
    </figure>
  );
}
