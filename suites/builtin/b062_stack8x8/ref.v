module TopModule (
  input        clk,
  input        reset,
  input        push,
  input        pop,
  input  [7:0] din,
  output [7:0] top,
  output       empty,
  output       full,
  output reg [3:0] depth
);
  reg [7:0] mem [0:7];
  wire [3:0] below = depth - 4'd1;
  assign empty = depth == 4'd0;
  assign full  = depth == 4'd8;
  assign top   = empty ? 8'd0 : mem[below[2:0]];
  always @(posedge clk) begin
    if (reset) begin
      depth <= 4'd0;
    end else if (push && pop && !empty) begin
      mem[below[2:0]] <= din;
    end else if (push && !full) begin
      mem[depth[2:0]] <= din;
      depth <= depth + 4'd1;
    end else if (pop && !empty) begin
      depth <= depth - 4'd1;
    end
  end
endmodule
