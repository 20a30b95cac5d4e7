module TopModule (
  input        clk,
  input        reset,
  input        push,
  input        pop,
  input  [7:0] din,
  output [7:0] dout,
  output       full,
  output       empty,
  output reg [3:0] count
);
  reg [7:0] mem [0:7];
  reg [2:0] wptr;
  reg [2:0] rptr;
  wire do_push = push && !full;
  wire do_pop  = pop && !empty;
  assign empty = count == 4'd0;
  assign full  = count == 4'd8;
  assign dout  = empty ? 8'd0 : mem[rptr];
  always @(posedge clk) begin
    if (reset) begin
      wptr  <= 3'd0;
      rptr  <= 3'd0;
      count <= 4'd0;
    end else begin
      if (do_push) begin
        mem[wptr] <= din;
        wptr <= wptr + 3'd1;
      end
      if (do_pop) rptr <= rptr + 3'd1;
      count <= count + {3'd0, do_push} - {3'd0, do_pop};
    end
  end
endmodule
