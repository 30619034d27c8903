-- Localizing models: a frozen MobileNetV2-1.4 map with a trainable per-cell head (boxes where logos are).
ALTER TYPE "Architecture" ADD VALUE 'LOCALIZER';
